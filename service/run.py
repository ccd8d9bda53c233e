"""Run the service: `garant serve [--host --port]`."""

from __future__ import annotations


def serve(host: str = "127.0.0.1", port: int = 8000, log_level: str = "info") -> None:
    import uvicorn

    from garant.service.app import create_app

    uvicorn.run(create_app(), host=host, port=port, log_level=log_level)
