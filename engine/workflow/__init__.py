"""The workflow core: catalogue, runtime, tasks, timers and messages over SpiffWorkflow."""
