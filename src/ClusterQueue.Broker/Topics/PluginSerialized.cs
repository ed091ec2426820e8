using Akka.Serialization;
using Akka.Util;

namespace ClusterQueue.Broker.Topics;

/// <summary>
/// An object serialized as Akka.Persistence.Sql stores it (bytes, manifest, serializer id), so the
/// plugin reads back rows our SQLite journal and snapshot store write.
/// </summary>
public readonly record struct PluginSerialized(byte[] Bytes, string Manifest, int SerializerId)
{
    public static PluginSerialized Of(Akka.Serialization.Serialization serialization, object value)
    {
        var serializer = serialization.FindSerializerForType(value.GetType());
        var manifest = serializer switch
        {
            SerializerWithStringManifest named => named.Manifest(value),
            { IncludeManifest: true } => value.GetType().TypeQualifiedName(),
            _ => string.Empty,
        };
        var bytes = Akka.Serialization.Serialization.WithTransport(serialization.System, (serializer, value), state => state.serializer.ToBinary(state.value));
        return new PluginSerialized(bytes, manifest, serializer.Identifier);
    }
}
