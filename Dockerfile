# One image for every service of docker-compose.yml: schema init, projection runner, workers, TUI.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LANG=C.UTF-8 \
    TERM=xterm-256color

WORKDIR /opt/bpt
# The dependencies first (pinned in pyproject.toml), so code changes reuse this layer.
COPY pyproject.toml README.md ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt
COPY src/bpt ./src/bpt
COPY domain ./domain
COPY projections ./projections
COPY tui ./tui
COPY workers ./workers
RUN pip install --no-deps . \
 && useradd --create-home --uid 10001 bpt \
 && mkdir -p /data && chown bpt /data

# Reports and import files live here; the compose file mounts one volume at /data for the
# app and the workers, so a path given to `bpt jobs send` means the same file in both.
USER bpt
WORKDIR /data
CMD ["bpt", "--help"]
