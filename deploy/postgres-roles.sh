#!/bin/sh
# Run by the postgres image on its first start (an empty db-data volume), as the superuser:
# the tables' owner `jixiao`, who migrates, the application's role `jixiao_app`, and the
# database. Neither role may create roles or databases; only the owner may change the schema.
# On a database made before, run the same statements once with psql (docs/operations.md).
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="$DB_OWNER_PASSWORD" -v app_password="$DB_APP_PASSWORD" <<'SQL'
CREATE ROLE jixiao LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'owner_password';
CREATE ROLE jixiao_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'app_password';
CREATE DATABASE jixiao OWNER jixiao;
REVOKE ALL ON DATABASE jixiao FROM PUBLIC;
GRANT CONNECT ON DATABASE jixiao TO jixiao_app;
SQL
