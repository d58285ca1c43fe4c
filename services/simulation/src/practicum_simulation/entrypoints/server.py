"""Wires and runs the simulation service: gRPC server, standard health service, side HTTP."""

from __future__ import annotations

import asyncio
import logging
import signal

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from practicum_common.health import Liveness, PortInUse, serve_side_http
from practicum_protos.simulation.v1 import simulation_pb2_grpc
from practicum_simulation.adapters.inference import InferencePool
from practicum_simulation.domain.library import load_library
from practicum_simulation.domain.scenarios import content_hash
from practicum_simulation.entrypoints.grpc_server import SimulationServicer
from practicum_simulation.settings import SimulationSettings

log = logging.getLogger(__name__)

SERVICE_NAME = "practicum_protos.simulation.v1.SimulationService"


async def serve(settings: SimulationSettings) -> None:
    from practicum_coder import load_coder

    catalog = load_library(settings.scenarios_dir, settings.scenario_schema)
    hashes = {spec.key: content_hash(spec) for spec in catalog.list_published()}
    log.info("loaded %d published scenarios from %s", len(hashes), settings.scenarios_dir)
    pool = InferencePool(
        settings.replica_urls,
        settings.llm_model,
        server_kind=settings.llm_server_kind,
        routing=settings.routing,
        load_factor=settings.routing_load_factor,
        max_concurrency=settings.max_concurrency,
        max_queue=settings.max_queue,
        max_queue_per_org=settings.max_queue_per_org,
        max_attempts=settings.max_attempts,
        first_token_timeout_s=settings.first_token_timeout_s,
        reply_timeout_s=settings.reply_timeout_s,
        health_interval_s=settings.health_interval_s,
    )
    await pool.start()
    servicer = SimulationServicer(
        catalog,
        hashes,
        pool,
        load_coder(),
        settings.cache_salt_secret.get_secret_value().encode(),
        settings.temperature,
    )
    liveness = Liveness(max_silence_s=30)

    def inference_ready() -> None:
        # Readiness: at least one replica is routable (answered its last probe, or panic routing).
        if not pool.healthy_replicas():
            raise RuntimeError("no inference replica is healthy")

    # The side HTTP port binds first: a port already in use fails here, before a gRPC
    # server exists that would then be left running without a loop to stop it.
    try:
        side = serve_side_http(settings.host, settings.http_port, {"inference": inference_ready}, liveness.alive)
    except OSError:
        await pool.close()
        raise
    server = grpc.aio.server()
    simulation_pb2_grpc.add_SimulationServiceServicer_to_server(servicer, server)  # type: ignore[no-untyped-call]
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    beat: asyncio.Task[None] | None = None
    try:
        try:
            server.add_insecure_port(f"{settings.host}:{settings.port}")
        except RuntimeError as exc:  # grpc reports a failed bind as RuntimeError
            raise PortInUse(settings.host, settings.port, "gRPC") from exc
        await server.start()

        async def heartbeat() -> None:
            # The event loop beats; a blocked loop stops beating and liveness fails.
            while True:
                liveness.beat()
                healthy = bool(pool.healthy_replicas())
                serving = health_pb2.HealthCheckResponse.SERVING
                status = serving if healthy else health_pb2.HealthCheckResponse.NOT_SERVING
                await health_servicer.set(SERVICE_NAME, status)
                await health_servicer.set("", status)
                await asyncio.sleep(settings.health_interval_s)

        beat = asyncio.create_task(heartbeat(), name="heartbeat")
        log.info("simulation service on %s:%d (gRPC), metrics on :%d", settings.host, settings.port, settings.http_port)

        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        log.info("shutting down: draining in-flight replies")
        await health_servicer.enter_graceful_shutdown()
    finally:
        # Also reached when the gRPC port cannot be bound: stop what did start.
        await server.stop(grace=10)
        if beat is not None:
            beat.cancel()
        side.shutdown()
        await pool.close()
