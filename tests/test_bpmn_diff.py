"""The server-side BPMN diff (pure Python, no Flask): added, removed and changed elements by id."""
import os
import sys

from webapp.bpmn_diff import diff_bundles

BPMN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bpmn")


def _shipped(name):
    with open(os.path.join(BPMN, name), encoding="utf-8") as handle:
        return handle.read()


def test_the_diff_module_does_not_need_flask():
    import webapp.bpmn_diff as module

    assert "flask" not in open(module.__file__, encoding="utf-8").read().lower().replace("no flask", "")
    assert "SpiffWorkflow" not in open(module.__file__, encoding="utf-8").read()
    assert "webapp.bpmn_diff" in sys.modules


def test_identical_bundles_and_moved_shapes_have_no_changes():
    old = {"county_audit.bpmn": _shipped("county_audit.bpmn")}
    moved = {"county_audit.bpmn": old["county_audit.bpmn"].replace('x="120" y="80"', 'x="140" y="90"')}
    assert diff_bundles(old, old) == []
    assert diff_bundles(old, moved) == []


def test_added_removed_and_changed_elements_with_what_changed():
    old_text = _shipped("registration_case.bpmn")
    new_text = (old_text.replace("audit_decision == 'return'", "audit_decision in ('return', 'reject')")
                .replace('name="名单分发"', 'name="名单分发（新）"'))
    # A countersignature step between two existing elements: one task and one flow more.
    new_text = new_text.replace("</bpmn:process>", '''<bpmn:userTask id="countersign" name="村主任签字" />
    </bpmn:process>''', 1)
    # And one file dropped from the bundle: all its elements are removed.
    old = {"registration_case.bpmn": old_text, "county_audit.bpmn": _shipped("county_audit.bpmn")}
    new = {"registration_case.bpmn": new_text}
    changes = diff_bundles(old, new)
    by_kind = {}
    for change in changes:
        by_kind.setdefault(change.kind, {})[change.id] = change
    assert set(by_kind["added"]) == {"countersign"}
    assert by_kind["added"]["countersign"].type == "userTask" and by_kind["added"]["countersign"].name == "村主任签字"
    removed = by_kind["removed"]
    assert "county_audit_review" in removed and removed["county_audit_review"].file == "county_audit.bpmn"
    assert "county_audit_end" in removed
    changed = by_kind["changed"]
    condition = [c for c in changed.values() if any(a == "condition" for a, _b, _c in c.what)]
    assert len(condition) == 1 and condition[0].type == "sequenceFlow"
    aspect, before, after = next(w for w in condition[0].what if w[0] == "condition")
    assert "audit_decision == 'return'" in before and "'reject'" in after
    renamed = [c for c in changed.values() if any(a == "name" for a, _b, _c in c.what)]
    assert [c.name for c in renamed] == ["名单分发（新）"]
