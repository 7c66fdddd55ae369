namespace Appliance.Linux.Sa;

/// <summary>
/// What the data plane can install, asked by configuration validation: a proposal IKE can negotiate but the data
/// plane cannot install would bring the tunnel up and carry nothing (NotSupportedException at install).
/// Ids are IANA IKEv2 transform ids, as IKE negotiates them.
/// </summary>
public static class InstallableSuites
{
    public static bool Esp(int encryptionId, int keyBits, int integrityId) => SuiteMap.TryEsp(encryptionId, keyBits, integrityId) is not null;

    public static bool Ah(int integrityId) => SuiteMap.TryAh(integrityId) is not null;
}
