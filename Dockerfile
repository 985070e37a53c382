FROM python:3.11-slim
COPY --from=ghcr.io/astral-sh/uv:0.13 /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy PYTHONUNBUFFERED=1
WORKDIR /app
# Dependencies first (a layer kept while only the code changes), then the project itself.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
RUN uv sync --frozen --no-dev
# The service needs no privilege: it runs as a user of its own, who cannot change the code
# (its home holds the embedded PostgreSQL when DATABASE_URL is unset).
RUN useradd --system --create-home --shell /usr/sbin/nologin boussole
USER boussole
ENV PATH="/app/.venv/bin:$PATH"
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
CMD ["boussole", "serve", "--host", "0.0.0.0"]
