# Build stage: the service and its runtime dependencies, as uv.lock pins them, in a venv.
FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml uv.lock README.md ./
COPY src ./src
COPY deploy/install.sh deploy/uv.txt ./deploy/
RUN sh deploy/install.sh /opt/incidents /src

# Final stage: the environment alone, run as an unprivileged user.
FROM python:3.12-slim
RUN useradd --system --uid 10001 --create-home --home-dir /app incidents
COPY --from=build /opt/incidents /opt/incidents
ENV PATH=/opt/incidents/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    INCIDENTS_HOST=0.0.0.0 \
    INCIDENTS_PORT=8000 \
    INCIDENTS_LOG_FORMAT=json \
    INCIDENTS_DATABASE_URL=sqlite+aiosqlite:////app/data/incidents.db
USER 10001
WORKDIR /app
EXPOSE 8000
# Probes the port the server listens on, INCIDENTS_PORT, whatever it was set to at `run`.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('INCIDENTS_PORT', '8000'), timeout=2)"]
CMD ["incidents", "serve"]
