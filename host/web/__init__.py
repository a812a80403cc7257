"""Staff web pages served beside the API by `touchline serve`: log in with a staff token,
then the squad's weekly risk, one athlete's load and risk history, and the synced sessions.

Every page reads the same route functions and services as the API and the CLI, so a page
never shows a number the API would not."""
