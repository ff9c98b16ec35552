# The Reclaim Your Face bot in a container (see README.md, "Running in a container").
#
#   docker build -t reclaim-your-face-bot .
#   docker run -d --name ryf-bot --env-file bot.env -v ryf-data:/data reclaim-your-face-bot
#
# bot.env holds TELEGRAM_BOT_TOKEN=... and any other BOT_* settings. The named volume
# keeps the database and chat-key across upgrades; /cache (the trained model, README.md
# "The model cache") lives in the container and is made again when it is recreated.
# `docker kill -s HUP ryf-bot` reloads knowledge and catalogs; `docker stop` sends
# SIGTERM, which stops the bot cleanly.

FROM python:3.11-slim AS build
# a C compiler for the compiled modules (bot/_descent.c, bot/_grams.c, bot/_meaning.c;
# hatch_build.py); only in this stage: the bot's image gets the modules, not the compiler
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY hatch_build.py ./
COPY pyproject.toml README.md TRANSLATING.md ./
COPY bot ./bot
COPY knowledge ./knowledge
COPY locales ./locales
# a wheel install bundles knowledge/ and locales/ into the package (pyproject.toml)
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --no-cache-dir .

FROM python:3.11-slim
RUN useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin bot \
    && install -d -o bot -g bot -m 0700 /data /cache
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    BOT_DATA_DIR=/data \
    BOT_CACHE_DIR=/cache
USER bot
VOLUME ["/data"]
# only for webhook mode, with BOT_WEBHOOK_LISTEN=0.0.0.0 (the default 127.0.0.1 is
# unreachable from outside the container)
EXPOSE 8443
STOPSIGNAL SIGTERM
ENTRYPOINT ["reclaim-your-face-bot"]
CMD ["run"]
