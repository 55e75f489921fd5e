"""The emulator's HTTP edge: QBO's REST API under /v3 and the control plane under /_emulator."""
