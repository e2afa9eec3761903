# ddblite's server in a container: `ddblite serve` on 0.0.0.0:4566, data in the /data volume.
#
#   docker build -t ddblite .
#   docker run -d -p 127.0.0.1:4566:4566 -v ddblite-data:/data ddblite
#
# BASE is any Debian-like image: the python:3.11-slim default as is, or a bare Debian, which
# gets Debian's python3 from apt (scripts/container-smoke builds on one made with debootstrap).
# docs/containers.md has the details: volumes, CORS and Host names, Testcontainers.
ARG BASE=python:3.11-slim

FROM ${BASE} AS runtime
ARG DEBIAN_FRONTEND=noninteractive
RUN set -eu; \
    if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then \
        apt-get update; \
        apt-get install -y --no-install-recommends python3 python3-venv; \
        rm -rf /var/lib/apt/lists/* /var/cache/apt/*; \
    fi; \
    useradd --uid 10001 --user-group --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin ddblite; \
    mkdir -p /data; \
    chown ddblite:ddblite /data

# Installed in a stage of its own, so neither the source nor pip reaches the image. A CA bundle
# for an HTTPS proxy in front of PyPI can be lent as the build secret "pipcert" (never stored).
FROM runtime AS install
COPY pyproject.toml README.md /src/
COPY src /src/src
RUN --mount=type=secret,id=pipcert \
    --mount=type=cache,target=/root/.cache/pip \
    set -eu; \
    if [ -s /run/secrets/pipcert ]; then export PIP_CERT=/run/secrets/pipcert; fi; \
    python3 -m venv /opt/ddblite; \
    /opt/ddblite/bin/pip install --disable-pip-version-check "/src[vectors]"; \
    /opt/ddblite/bin/pip uninstall -y -q pip setuptools

FROM runtime
COPY --from=install /opt/ddblite /opt/ddblite
ENV PATH=/opt/ddblite/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
USER ddblite
WORKDIR /data
VOLUME ["/data"]
EXPOSE 4566
# GET / is the health endpoint (200 "healthy: ..."); no curl in a slim image, so Python asks.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('DDBLITE_PORT', '4566') + '/', timeout=2)"]
CMD ["ddblite", "serve", "--host", "0.0.0.0", "--db", "/data/ddblite.db"]
