"""The sideline page: a small ASGI app (Starlette, served by uvicorn) that shows one card
per athlete to tablets and phones on the Pi's network, updated by server-sent events from
the same pipeline state that feeds `edge record`'s live table. No front-end build: one
HTML page with its CSS and a little JavaScript."""
