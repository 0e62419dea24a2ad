"""A synthetic demo city (蓉城市): geography, departments, users, responsibility rules and components.

`cityops.demo.city.build_city` writes the regions only (the benchmarks use it); `cityops.demo.build.build_demo`
writes everything in one transaction (the `cityops demo` command uses it). Nothing here has models.
"""
