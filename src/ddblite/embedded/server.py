"""An Engine's database served over HTTP by uvicorn in a daemon thread (``Engine.serve``)."""

from __future__ import annotations

import socket
import threading
import time
from typing import TYPE_CHECKING, Any

from ddblite.config import HttpLimits
from ddblite.embedded.engine import _bound_session, _client_defaults

if TYPE_CHECKING:
    from ddblite.embedded.engine import Engine


class EmbeddedServer:
    """An engine's database served over HTTP by uvicorn in a daemon thread."""

    def __init__(self, engine: Engine, host: str, port: int) -> None:
        import uvicorn

        from ddblite.protocol.app import DynamoDBApp
        from ddblite.protocol.isolation import Isolation
        from ddblite.server.http_protocol import bounded_protocol

        self.engine = engine
        self._socket = socket.create_server((host, port))
        self.host = host
        self.port: int = self._socket.getsockname()[1]
        self.endpoint_url = f"http://{host}:{self.port}"
        app = DynamoDBApp(engine.database, Isolation.build(host, self.port), engine.verifier)

        async def maintained(scope: dict[str, Any], receive: Any, send: Any) -> None:
            # No lifespan, so no scheduler loop: the engine runs the jobs due before each
            # request instead, as for in-process requests.
            engine.maintain()
            await app(scope, receive, send)

        limits = HttpLimits()
        config = uvicorn.Config(
            maintained,
            http=bounded_protocol(limits),  # the limits ``ddblite serve`` has by default
            ws="none",
            timeout_keep_alive=limits.keep_alive_timeout,  # type: ignore[arg-type]
            lifespan="off",  # the app's shutdown would close the engine's database
            log_level="warning",
            access_log=False,
            server_header=False,
            date_header=False,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name=f"ddblite-serve-{self.port}",
            daemon=True,
        )
        self._thread.start()
        while not self._server.started and self._thread.is_alive():
            time.sleep(0.002)
        if not self._server.started:
            self._socket.close()
            raise RuntimeError(f"ddblite could not serve on {host}:{self.port}")

    def client(self, service_name: str = "dynamodb", **kwargs: Any) -> Any:
        """A boto3 client for this server's endpoint."""
        kwargs.setdefault("endpoint_url", self.endpoint_url)
        return _bound_session().client(service_name, **_client_defaults(kwargs))

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()

    def __enter__(self) -> EmbeddedServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
