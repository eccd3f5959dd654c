# The Noriai service image (API, dispatcher and CLI); see docker-compose.yml.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md LICENSE requirements.lock ./
COPY maps maps
COPY optimizer optimizer
COPY dispatch dispatch
COPY driver_app driver_app
COPY booking_api booking_api
COPY bench bench
# The pinned, hash-checked tree from the lock (as `make` installs it), then the project.
RUN pip install --require-hashes --no-deps -r requirements.lock \
    && pip install --no-deps --no-build-isolation . && useradd --create-home noriai && mkdir -p /var/lib/noriai /var/cache/noriai \
    && chown noriai /var/lib/noriai /var/cache/noriai
USER noriai
EXPOSE 8000
CMD ["noriai", "serve"]
