# The Noriai service image (API, dispatcher and CLI); see docker-compose.yml.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY maps maps
COPY optimizer optimizer
COPY dispatch dispatch
COPY driver_app driver_app
COPY booking_api booking_api
COPY bench bench
RUN pip install . && useradd --create-home noriai && mkdir -p /var/lib/noriai /var/cache/noriai \
    && chown noriai /var/lib/noriai /var/cache/noriai
USER noriai
EXPOSE 8000
CMD ["noriai", "serve"]
