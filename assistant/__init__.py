"""detente's assistant layer: configuration, pipeline, drafting, CLI and Slack app.

Importing it applies the offline start-up before anything heavy is loaded.
"""

from assistant.offline import ensure_offline

ensure_offline()
