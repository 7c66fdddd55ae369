namespace Appliance;

public static class Program
{
    public static int Main(string[] args)
    {
        Console.WriteLine("appliance");
        return 0;
    }
}
