# Production image for web (gunicorn), worker and beat (celery); see docker-compose.yml.
# Configuration comes from the environment only (liaoyang_consortia/settings.py).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app

# WeasyPrint's runtime libraries; Noto CJK so Chinese text renders (DESIGN.md §7).
# pg_dump and pg_restore for make backup / restore (docker compose run --rm backup), at the
# major version of docker-compose's server (postgres:16) from the PostgreSQL project's apt
# repository: bookworm's own client is 15, and pg_dump refuses a server newer than itself.
ARG PG_MAJOR=16
RUN python -c "import urllib.request as u; u.urlretrieve('https://www.postgresql.org/media/keys/ACCC4CF8.asc', '/usr/share/keyrings/pgdg.asc')" \
    && echo "deb [signed-by=/usr/share/keyrings/pgdg.asc] https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" \
        > /etc/apt/sources.list.d/pgdg.list \
    && apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk \
        "postgresql-client-${PG_MAJOR}" \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system app \
    && useradd --system --gid app --create-home --home-dir /home/app --shell /usr/sbin/nologin app

WORKDIR /app

# Flat layout: the templates, static files and locale live beside the packages, so the code
# runs from /app (PYTHONPATH) and the install is there for the dependencies.
# Exactly the locked packages, each checked against its hash (make lock writes the file),
# in a layer of their own so a code change does not reinstall them.
# REQUIREMENTS=s3 adds django-storages for uploads in object storage (UPLOAD_STORAGE=s3).
ARG REQUIREMENTS=base
COPY requirements/ requirements/
RUN pip install --no-cache-dir --require-hashes --no-deps -r "requirements/${REQUIREMENTS}.txt"
COPY . .
RUN pip install --no-cache-dir --no-deps . \
    && rm -rf build ./*.egg-info

# Static files are baked into the image (served by WhiteNoise). The key below exists only for
# this RUN line; the running containers must be given their own SECRET_KEY.
RUN SECRET_KEY=collectstatic-only-not-a-secret python manage.py collectstatic --noinput

# Uploads live on a volume mounted here (MEDIA_ROOT); a new named volume copies this ownership.
RUN mkdir -p /data/media && chown app:app /data/media

USER app

EXPOSE 8000

CMD ["gunicorn", "liaoyang_consortia.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--access-logfile", "-"]
