"""The inventory's resolver: recorded dependencies first, quoted identities second,
reverse look-ups from one index, and work that does not grow with the stack."""

from __future__ import annotations

from ailab.core.inventory import Inventory, Resource


def _stack(nodes: int) -> Inventory:
    res = [Resource("ailab:aws:Lab", "lab", custom=False),
           Resource("aws:ec2/launchTemplate:LaunchTemplate", "lt", parent="lab", id="lt-123")]
    for i in range(nodes):
        res.append(Resource("aws:ec2/instance:Instance", f"n{i}", parent="lab",
                            inputs={"launchTemplate": {"id": "lt-123"}}, id=f"i-{i}"))
        res.append(Resource("aws:cloudwatch/metricAlarm:MetricAlarm", f"a{i}", parent="lab",
                            inputs={"dimensions": {"InstanceId": f"i-{i}"}},
                            deps={"dimensions": [f"n{i}"]}))
    return Inventory("s", "aws", "us-east-1", res)


def test_refs_prefer_recorded_dependencies_then_quoted_ids() -> None:
    inv = _stack(3)
    assert inv.ref(inv.get("a1"), "dimensions").name == "n1"
    assert inv.ref(inv.get("n2"), "launchTemplate").name == "lt"
    assert inv.ref(inv.get("n2"), "launchTemplate", "aws:ec2/instance:Instance") is None
    assert [r.name for r in inv.referencing(inv.get("n0"), "dimensions")] == ["a0"]
    assert inv.component(inv.get("a2")) == "lab"
    assert inv.find("missing") is None


def test_a_resource_never_refers_to_itself() -> None:
    res = Resource("t:a/b:C", "x", inputs={"self": "x-id"}, id="x-id")
    assert Inventory("s", "aws", "r", [res]).refs(res, "self") == []


def test_lookups_per_resource_do_not_grow_with_the_stack() -> None:
    def per_node(nodes: int) -> float:
        inv = _stack(nodes)
        inv.lookups = 0
        for alarm in inv.by_type("aws:cloudwatch/metricAlarm:MetricAlarm"):
            inv.ref(alarm, "dimensions")
        for node in inv.by_type("aws:ec2/instance:Instance"):
            inv.referencing(node, "dimensions")
        return inv.lookups / nodes

    small, large = per_node(64), per_node(1024)
    assert large <= small  # a fixed cost spread thinner, never a per-node cost that grows


def test_json_round_trip() -> None:
    inv = _stack(2)
    again = Inventory.from_json(inv.to_json())
    assert again.to_json() == inv.to_json()
    assert again.get("n1").id == "i-1"
