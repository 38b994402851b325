"""Operations: structured logs, request ids, Prometheus metrics and health checks."""

# Read by prometheus-client when it is first imported: `homebase serve` sets it before then.
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
