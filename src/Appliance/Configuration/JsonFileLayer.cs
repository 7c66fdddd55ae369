using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;

namespace Appliance.Configuration;

/// <summary>
/// A JSON file as a configuration layer, read once. Not AddJsonFile: that resolves a PhysicalFileProvider whose
/// change watching keeps FileSystemWatcher, FileSystemGlobbing and the file-provider machinery in the binary
/// (~80 KB, issue 19), and the service never reloads its files (every layer was added with reloadOnChange: false;
/// provisioning and factory reset restart the service instead).
/// </summary>
internal static class JsonFileLayer
{
    public static void Add(IConfigurationBuilder builder, string path, bool optional)
    {
        byte[] content;
        try
        {
            content = File.ReadAllBytes(path);
        }
        catch (Exception e) when (optional && e is FileNotFoundException or DirectoryNotFoundException)
        {
            return;
        }
        builder.Add(new Source(path, content));
    }

    private sealed class Source(string path, byte[] content) : IConfigurationSource
    {
        public IConfigurationProvider Build(IConfigurationBuilder builder) =>
            new Provider(path, new JsonStreamConfigurationSource { Stream = new MemoryStream(content, writable: false) });
    }

    /// <summary>Names the file when its JSON is bad, as AddJsonFile did (InvalidDataException around the parser's error).</summary>
    private sealed class Provider(string path, JsonStreamConfigurationSource source) : JsonStreamConfigurationProvider(source)
    {
        public override void Load()
        {
            try
            {
                base.Load();
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or FormatException)
            {
                throw new InvalidDataException($"Failed to load configuration from file '{path}'.", e);
            }
        }
    }
}
