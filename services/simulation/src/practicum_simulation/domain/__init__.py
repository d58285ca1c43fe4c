"""Pure domain logic of the simulation service.

Nothing in this package imports grpc, fastapi, psycopg, httpx or any other framework:
the entrypoints and adapters wrap these functions, and the unit tests call them
directly. Modules:

- ``scenarios``    scenario specs (typed dataclasses), YAML loading, schema + semantic checks
- ``library``      whole-library checks (adds guard/prompt content checks) used by the CLI
- ``lifecycle``    draft -> in_review -> published -> retired, approvals, content hash
- ``state``        the simulated client's state and how trainee behaviour moves it
- ``disclosure``   which hidden facts the trainee has earned this turn
- ``prompt``       chat messages for the inference tier (cache-friendly prefix) and cache salt
- ``guard``        streaming output guard and the reply/regenerate/fallback protocol
- ``input_screen`` trainee-message screen: role-break attempts and trainee distress
- ``turn``         one call composing the above for a trainee turn
- ``routing``      session-affinity routing, circuit breaker, admission control
- ``redteam``      red-team attack catalogue and reply verdicts
"""
