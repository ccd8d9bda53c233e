"""`garant serve`: the HTTP JSON API and the web playground.

The service is a thin layer over the library calls the command line uses
(compile a source, load its evaluator, evaluate claims at a level): the
same diagnostics, the same décomptes, as JSON. `create_app()` builds the
ASGI application (FastAPI, which also publishes the OpenAPI document);
`serve()` runs it with uvicorn.
"""

from garant.service.app import Limits, create_app
from garant.service.run import serve

__all__ = ["Limits", "create_app", "serve"]
