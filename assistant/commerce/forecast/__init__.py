"""Demand forecasting from the shop's orders: weekly units and revenue per category and per product, with prediction
intervals; which categories are rising; which products will sell out before the forecast demand is met.

    forecaster = make_forecaster(settings.forecast.model)   # forecasters.py: the seam and its implementations
    demand = demand_for(settings)                            # demand.py: fitted once per orders version
    blend_down(category_band, product_split(...))           # blend.py: share of its category + own level

Kept import-light: `assistant.settings` reads `config` from here.
"""
