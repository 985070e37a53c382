"""The catalogue: organisations, places, services held at places, their hours and themes."""
