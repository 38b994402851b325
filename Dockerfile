# syntax=docker/dockerfile:1

# Build stage: Homebase and its dependencies, installed into a virtual environment.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
RUN python -m venv /opt/homebase
COPY pyproject.toml README.md ./
COPY homebase ./homebase
# Every dependency ships a wheel, so no compiler is needed; pip itself is not kept.
RUN /opt/homebase/bin/pip install --no-cache-dir . \
    && /opt/homebase/bin/pip uninstall --yes pip setuptools

# Final stage: the virtual environment only, run by an unprivileged user.
FROM python:3.11-slim
ENV PATH=/opt/homebase/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOMEBASE_DATABASE_URL=sqlite:////data/homebase.db
RUN useradd --system --uid 10001 --user-group --home-dir /data --create-home homebase
COPY --from=build /opt/homebase /opt/homebase
# Numeric, so that Kubernetes can verify runAsNonRoot.
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
# No curl in the slim image: the probe is a few lines of standard-library Python.
HEALTHCHECK --interval=10s --timeout=5s --start-period=15s --retries=3 \
    CMD ["python", "-m", "homebase.observability.probe", "http://127.0.0.1:8000/health/live"]
# uvicorn drains in-flight requests on SIGTERM (up to 30 s): give `docker stop -t 35` or more.
STOPSIGNAL SIGTERM
CMD ["homebase", "serve", "--host", "0.0.0.0", "--port", "8000"]
