# A stand-in for the official postgres:15 image, for machines that reach Debian's packages
# but no container registry (deploy/prove-image.sh builds it there and tags it postgres:15):
# Debian's PostgreSQL 15, set up from the same POSTGRES_* variables in the same data folder.
FROM debian:bookworm-slim
RUN apt-get update -q \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql-15 \
    && rm -rf /var/lib/apt/lists/*
ENV PATH=/usr/lib/postgresql/15/bin:$PATH \
    PGDATA=/var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENTRYPOINT ["sh", "/usr/local/bin/docker-entrypoint.sh"]
CMD ["postgres"]
