"""Long work in the background: one `Job` row per run, a task that runs it, a progress page.

See `services.jobs.actions` for the rules (idempotent, safe to retry) and `services.jobs.kinds`
for what each kind of job does.
"""
