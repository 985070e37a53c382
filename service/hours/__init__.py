"""Opening hours: OpenStreetMap expressions with Belgian holidays and dated exceptions."""

from service.hours.schedule import (
    TZ,
    DatedException,
    Hours,
    HoursState,
    hours_error,
    local,
)

__all__ = ["TZ", "DatedException", "Hours", "HoursState", "hours_error", "local"]
