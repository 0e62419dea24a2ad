"""A synthetic demo city (蓉城市): geography, departments, users, responsibility rules and components.

`cityops.demo.city.build_city` writes the regions only (the benchmarks use it, and `cityops seed-city`);
`cityops.demo.build.build_demo` writes everything in one transaction (`cityops demo`); `cityops.demo.seeding`
bulk-inserts case histories for the benchmarks (`cityops seed-cases`). Nothing here has models, and no app
below imports it.
"""
