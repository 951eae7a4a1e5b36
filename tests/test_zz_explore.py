from webapp.engine import migration as m
from webapp.engine.diagrams import spec_cache
from .migration_support import *

def test_x(county):
    old, new = deploy_precheck_version()
    s, deps = spec_cache.get(old); n, ndeps = spec_cache.get(new)
    d = m._spec_diffs.get(old.content_hash, new.content_hash, deps["door_to_door_visit"], ndeps["door_to_door_visit"])
    for k, v in d.changed.items(): print(k.name, v)
