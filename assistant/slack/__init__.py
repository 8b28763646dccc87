"""detente as a Slack app: thin Bolt handlers around the drafting pipeline.

Only the command line (`detente slack`, `detente audit`) imports this package. The pieces:

- `app.build_app` registers the Bolt listeners; `flows` is what they hand off; `runtime` holds the
  long-lived parts; `answering` runs a question through the pipeline, posts the answer and audits it;
- `blocks` (a Brief as messages), `kit` (Block Kit within Slack's limits), `notices` and `home` render;
- `clearance` decides the TLP ceiling of a place; `replies` posts in a thread or through a response_url;
- `jobs` keeps slow work off Slack's 3-second path; `dedup` drops Slack's retries;
- `audit` is the append-only record of every answer and feedback; `threads` keeps one conversation per thread;
- `errors` validates tokens at start-up; `web` builds Web API clients with bounded rate-limit retries;
- `run` starts Socket Mode or HTTP mode.
"""
