#!/usr/bin/env bash
# Start train_ddp.py on every node with the launcher named by AILAB_LAUNCHER
# (torchrun, accelerate or deepspeed). Rank, head address and GPU count come
# from SkyPilot's environment; checkpoints go to $AILAB_CKPT_DIR (the mounted
# lab bucket by default) and a restart resumes from the latest one.
set -euo pipefail

NODES="${SKYPILOT_NUM_NODES:-1}"
RANK="${SKYPILOT_NODE_RANK:-0}"
GPUS="${SKYPILOT_NUM_GPUS_PER_NODE:-1}"
HEAD="$(echo "${SKYPILOT_NODE_IPS:-127.0.0.1}" | head -n1)"
PORT="${AILAB_MASTER_PORT:-29500}"
CKPT="${AILAB_CKPT_DIR:-/checkpoints/${AILAB_RUN_NAME:-train}}"
SCRIPT=workloads/scripts/train_ddp.py
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"  # the script imports the workloads package
if [ "${FI_PROVIDER:-}" = "efa" ] && [ -d /opt/amazon/efa/lib ]; then
  # libfabric and aws-ofi-nccl of the Deep Learning AMI (mounted from the host on a pool)
  export LD_LIBRARY_PATH="/opt/amazon/efa/lib:/opt/amazon/ofi-nccl/lib:${LD_LIBRARY_PATH:-}"
fi
ARGS=(--steps "${AILAB_STEPS:-1000}" --ckpt-dir "$CKPT" --ckpt-every "${AILAB_CKPT_EVERY:-100}")

case "${AILAB_LAUNCHER:-torchrun}" in
  torchrun)
    exec torchrun --nnodes="$NODES" --node_rank="$RANK" --nproc_per_node="$GPUS" \
      --master_addr="$HEAD" --master_port="$PORT" "$SCRIPT" "${ARGS[@]}" --engine ddp ;;
  accelerate)
    exec accelerate launch --config_file workloads/configs/accelerate.yaml \
      --num_machines "$NODES" --machine_rank "$RANK" --num_processes "$((NODES * GPUS))" \
      --main_process_ip "$HEAD" --main_process_port "$PORT" \
      "$SCRIPT" "${ARGS[@]}" --engine accelerate ;;
  deepspeed)
    # One host per line, each with its GPU slots, for DeepSpeed's launcher.
    HOSTFILE="$(mktemp)"
    echo "${SKYPILOT_NODE_IPS:-127.0.0.1}" | awk -v g="$GPUS" 'NF {print $1" slots="g}' > "$HOSTFILE"
    exec deepspeed --hostfile "$HOSTFILE" --no_ssh --num_nodes "$NODES" --node_rank "$RANK" \
      --num_gpus "$GPUS" --master_addr "$HEAD" --master_port "$PORT" \
      "$SCRIPT" "${ARGS[@]}" --engine deepspeed \
      --deepspeed-config workloads/configs/deepspeed_zero2.json ;;
  *)
    echo "AILAB_LAUNCHER must be torchrun, accelerate or deepspeed, got '${AILAB_LAUNCHER}'" >&2
    exit 2 ;;
esac
