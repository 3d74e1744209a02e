"""riskmodel: a Monte Carlo model of sanctions exposure and maritime insurance risk for reinsurers."""

__version__ = "0.1.0"
