"""Wires and runs the simulation service: gRPC server, standard health service, side HTTP."""

from __future__ import annotations

import asyncio
import logging
import signal

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from practicum_common.health import Liveness, serve_side_http
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
    server = grpc.aio.server()
    simulation_pb2_grpc.add_SimulationServiceServicer_to_server(servicer, server)  # type: ignore[no-untyped-call]
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    server.add_insecure_port(f"{settings.host}:{settings.port}")
    await server.start()

    liveness = Liveness(max_silence_s=30)
    loop = asyncio.get_running_loop()

    async def heartbeat() -> None:
        # The event loop beats; a blocked loop stops beating and liveness fails.
        while True:
            liveness.beat()
            healthy = bool(pool.healthy_replicas())
            status = health_pb2.HealthCheckResponse.SERVING if healthy else health_pb2.HealthCheckResponse.NOT_SERVING
            await health_servicer.set(SERVICE_NAME, status)
            await health_servicer.set("", status)
            await asyncio.sleep(settings.health_interval_s)

    def inference_ready() -> None:
        # Readiness: at least one replica answered its last probe.
        if not pool.healthy_replicas():
            raise RuntimeError("no inference replica is healthy")

    beat = asyncio.create_task(heartbeat(), name="heartbeat")
    side = serve_side_http(settings.host, settings.http_port, {"inference": inference_ready}, liveness.alive)
    log.info("simulation service on %s:%d (gRPC), metrics on :%d", settings.host, settings.port, settings.http_port)

    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("shutting down: draining in-flight replies")
    await health_servicer.enter_graceful_shutdown()
    await server.stop(grace=10)
    beat.cancel()
    side.shutdown()
    await pool.close()
