# The classroom deployment in a container: dashboard replicas behind nginx (README, "Classroom deployment").
#   docker build -t attention-atlas . && docker run --rm -p 8501:8501 attention-atlas
# (or `docker compose up`). Written for people who deploy with Docker; it was not built on the project
# machine, which has no Docker: the steps are those of .ci/run and the README.
FROM python:3.11-slim-bookworm

RUN apt-get update \
 && apt-get install -y --no-install-recommends nginx \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt pyproject.toml README.md ./
# torch first, from the CPU index (the default Linux wheel pulls in gigabytes of CUDA libraries)
RUN pip install --no-cache-dir "torch==2.13.0" --index-url https://download.pytorch.org/whl/cpu \
 && pip install --no-cache-dir -r requirements.txt
COPY .streamlit .streamlit
COPY attention_core attention_core
COPY dashboard dashboard
COPY demos demos
# plotly.js into dashboard/static before the files belong to root and the app runs as another user
RUN pip install --no-cache-dir --no-deps -e . \
 && python -c "from dashboard.components.live_figure import copy_plotly_js as c; raise SystemExit(not c())" \
 && useradd --create-home --uid 1000 atlas
USER atlas

# nothing is downloaded at run time: the weights ship in attention_core/weights and in the pip packages
ENV HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 REPLICAS=2
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"
# REPLICAS: dashboard processes behind nginx (measurements in docs/benchmarks.md).
# docker stop sends SIGTERM, which stops nginx and the replicas cleanly.
CMD ["sh", "-c", "exec python -m dashboard.classroom --replicas \"$REPLICAS\" --port 8501 --address 0.0.0.0"]
