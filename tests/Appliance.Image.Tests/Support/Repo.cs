namespace Appliance.Image.Tests.Support;

/// <summary>Paths of the repository the tests run from (found by walking up to Appliance.sln).</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();
    public static string Image => Path.Combine(Root, "image");
    public static string Layer => Path.Combine(Image, "meta-appliance");
    public static string ServiceRecipeDir => Path.Combine(Layer, "recipes-appliance", "appliance");
    public static string ServiceRecipe => Directory.GetFiles(ServiceRecipeDir, "appliance_*.bb").Single();
    public static string ImageRecipe => Path.Combine(Layer, "recipes-core", "images", "appliance-image.bb");
    public static string DistroConf => Path.Combine(Layer, "conf", "distro", "appliance-os.conf");
    public static string Unit => Path.Combine(ServiceRecipeDir, "files", "appliance.service");
    public static string UdevRules => Path.Combine(ServiceRecipeDir, "files", "90-appliance.rules");
    public static string StagedTarball => Path.Combine(ServiceRecipeDir, "files", "appliance-dist.tar.gz");
    public static string Boards => Path.Combine(Root, "board");
    public static string Kas => Path.Combine(Image, "kas");
    public static string PackageList => Path.Combine(Image, "packages.txt");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Appliance.sln")) && Directory.Exists(Path.Combine(dir.FullName, "image")))
                return dir.FullName;
        throw new InvalidOperationException($"no Appliance.sln above {AppContext.BaseDirectory}");
    }
}
