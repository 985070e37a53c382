"""Opening hours: OpenStreetMap expressions with Belgian holidays and dated exceptions."""

from service.hours.schedule import (
    TZ,
    YEARS,
    DatedException,
    Hours,
    HoursState,
    hours_error,
    local,
)

__all__ = ["TZ", "YEARS", "DatedException", "Hours", "HoursState", "hours_error", "local"]
