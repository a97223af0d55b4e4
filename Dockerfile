# syntax=docker/dockerfile:1
# The one image of every TWS Pulse process: `docker run twspulse:0.1.0 <twspulse subcommand>`.
# compose.yaml runs it as secrets-check (python -m twspulse.secrets_check), migrate, topics, tws-connector,
# system-connector, worker, notifier, trainer and simulator.

ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

# --- builder: a venv with the dependencies and the project --------------------------------------------
FROM ${PYTHON_IMAGE} AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

# A compiler only for a dependency that ships no wheel for this platform; it stays in this stage.
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /app

# Dependencies first, read from pyproject.toml, so editing the code does not reinstall them.
COPY pyproject.toml README.md ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
 && pip install --upgrade pip \
 && pip install -r /tmp/requirements.txt

# Editable install: the code runs from /app; the migrations ship inside the package (twspulse/sql), so a
# wheel installed anywhere finds them too.
COPY . .
RUN pip install --no-deps -e . \
 && test -f /app/twspulse/sql/001_schema_migrations_and_extension.sql

# --- runtime -------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

ARG PYTHON_IMAGE
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="twspulse" \
      org.opencontainers.image.description="TWS Pulse: HCL Workload Automation / IBM TWS and host metrics -> Kafka -> TimescaleDB" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.base.name="${PYTHON_IMAGE}"

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    TWSPULSE_DATA_DIR=/var/lib/twspulse \
    TWSPULSE_CACHE_DIR=/var/cache/twspulse \
    MPLCONFIGDIR=/var/cache/twspulse/matplotlib

# Fixed numeric ids, so Kubernetes' runAsNonRoot can check them.
RUN groupadd --system --gid 10001 twspulse \
 && useradd --system --uid 10001 --gid twspulse --home-dir /home/twspulse --create-home \
        --shell /usr/sbin/nologin twspulse \
 && mkdir -p /var/lib/twspulse /var/cache/twspulse /var/lib/twspulse-models \
 && chown twspulse:twspulse /var/lib/twspulse /var/cache/twspulse /var/lib/twspulse-models

# Same paths as in the builder: the venv's editable install points at /app. Both stay root-owned
# (read-only for the app); only the data and cache directories above are writable.
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /app /app

WORKDIR /app
USER 10001:10001

# No HEALTHCHECK here: what "healthy" means differs per subcommand (the worker's web port, the connectors'
# and the notifier's /health, the trainer's last successful run; migrate exits), so compose.yaml defines one
# per service.
ENTRYPOINT ["twspulse"]
CMD ["--help"]
