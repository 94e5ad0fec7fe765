"""The actor analysis attributes to a recorded hook event (the capture records the stack, never the actor)."""

from auditor.analyze.attribution import attribute

APP_PACKAGE = "com.example.reference"


def actor(event: dict, app_package: str = APP_PACKAGE) -> dict:
    api = event["api"]
    hooked_class = event.get("hooked_class") or api.rpartition(".")[0]
    found = attribute(event["stack"], hooked_class, api.rpartition(".")[2], app_package)
    return found.model_dump(by_alias=True, mode="json")
