namespace Appliance.Board.Tests;

public class OrdinalMapTests
{
    [Fact]
    public void Keys_stay_in_ordinal_order_whatever_the_insertion_order()
    {
        var map = OrdinalMap<int>.Empty.SetItem("b", 2).SetItem("a", 1).SetItem("B", 3).SetItem("c", 4);
        Assert.Equal(["B", "a", "b", "c"], map.Keys);
        Assert.Equal([3, 1, 2, 4], map.Values);
        Assert.Equal(2, map["b"]);
        Assert.False(map.ContainsKey("d"));
        Assert.Throws<KeyNotFoundException>(() => map["d"]);
    }

    [Fact]
    public void Changes_return_new_maps_and_leave_the_old_one_alone()
    {
        var one = OrdinalMap<string>.Empty.Add("ike", "down");
        var two = one.SetItem("ike", "socket closed").SetItem("button", "stuck");
        Assert.Equal("down", one["ike"]);
        Assert.Equal(2, two.Count);
        var three = two.Remove("ike");
        Assert.Equal(["button"], three.Keys);
        Assert.Equal(2, two.Count);
        Assert.Same(three, three.Remove("absent"));
        Assert.Same(one, one.SetItem("ike", "down"));
        Assert.Throws<ArgumentException>(() => one.Add("ike", "again"));
        Assert.True(OrdinalMap<string>.Empty.IsEmpty);
        Assert.True(three.Remove("button").IsEmpty);
    }

    [Fact]
    public void Content_equality_compares_keys_and_values()
    {
        var a = OrdinalMap<int>.Empty.SetItem("x", 1).SetItem("y", 2);
        var b = OrdinalMap<int>.Empty.SetItem("y", 2).SetItem("x", 1);
        Assert.True(a.ContentEquals(b));
        Assert.False(a.ContentEquals(b.SetItem("y", 3)));
        Assert.False(a.ContentEquals(b.Remove("x")));
        // ApplianceState compares its maps by content, so an unchanged state does not wake the LEDs.
        Assert.Equal(ApplianceState.Initial with { Faults = OrdinalMap<string>.Empty.Add("ike", "down") },
            ApplianceState.Initial with { Faults = OrdinalMap<string>.Empty.SetItem("ike", "down") });
    }
}
