package dev.listenseq.flink;

import dev.listenseq.avro.ListenType;
import dev.listenseq.avro.state.ItemState;
import dev.listenseq.avro.state.UserState;
import dev.listenseq.codec.StateCodec;
import dev.listenseq.sequence.SequenceUpdater;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.formats.avro.typeutils.AvroSerializer;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The state serializers' snapshots name their state format and resolve each restore for real. */
class StateFormatCompatibilityTest {

    @Test
    void theSameFormatIsCompatibleAsIs() throws Exception {
        assertTrue(resolve(new UserStateSerializer(), roundTrip(new UserStateSerializer().snapshotConfiguration()))
                .isCompatibleAsIs());
        assertTrue(resolve(new ItemStateSerializer(), roundTrip(new ItemStateSerializer().snapshotConfiguration()))
                .isCompatibleAsIs());
    }

    /** What release 4daa365 wrote: the snapshot class's name, its layout version 3, and nothing else. */
    @Test
    void formatOneFromTheReleaseIsMigratedByReadingItWithAFormatOneSerializer() throws Exception {
        TypeSerializerSnapshot<UserState> old = read(releaseSnapshotBytes(UserStateSerializer.UserStateSnapshot.class));
        assertTrue(resolve(new UserStateSerializer(), old).isCompatibleAfterMigration());
        TypeSerializerSnapshot<ItemState> oldItem = read(releaseSnapshotBytes(ItemStateSerializer.ItemStateSnapshot.class));
        assertTrue(resolve(new ItemStateSerializer(), oldItem).isCompatibleAfterMigration());

        UserState user = SequenceUpdater.newUser();
        user.setVersion(7);
        user.setAsOf(1_000);
        DataOutputSerializer out = new DataOutputSerializer(256);
        StateCodec.writeUser(user, out, 1);
        UserState migrated = old.restoreSerializer().deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        assertEquals(7, migrated.getVersion());
        assertEquals(-1, migrated.getSeenCount(), "format 1's seen ids: rotate at the next id");
        assertEquals(Long.MIN_VALUE, migrated.getSeenRotatedAt());

        ItemState item = new ItemState("artist", 5L, 9L, "e9", ListenType.PLAY, 1, 0, null, null, 10L, 0.5, 0.0, 3L);
        out.clear();
        StateCodec.writeItem(item, out, 1);
        ItemState migratedItem = oldItem.restoreSerializer().deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        assertEquals("artist", migratedItem.getArtistId());
        assertEquals(9L, migratedItem.getArtistTime(), "format 1 keeps its artist until a newer event names one");
    }

    @Test
    void aFormatFromANewerBuildIsIncompatibleWithAClearError() throws Exception {
        UserStateSerializer.UserStateSnapshot future = new UserStateSerializer.UserStateSnapshot();
        future.setFormat(StateCodec.FORMAT_VERSION + 1);
        TypeSerializerSnapshot<UserState> restored = roundTrip(future);
        assertTrue(resolve(new UserStateSerializer(), restored).isIncompatible());
        IllegalStateException e = assertThrows(IllegalStateException.class, restored::restoreSerializer);
        assertTrue(e.getMessage().contains("state format " + (StateCodec.FORMAT_VERSION + 1))
                && e.getMessage().contains("reads formats 1 to " + StateCodec.FORMAT_VERSION), e.getMessage());
    }

    @Test
    void stateWrittenByFlinksAvroSerializerIsMigratedAndAnotherSerializersIsIncompatible() throws Exception {
        assertTrue(resolve(new UserStateSerializer(), new AvroSerializer<>(UserState.class).snapshotConfiguration())
                .isCompatibleAfterMigration());
        @SuppressWarnings({"unchecked", "rawtypes"})
        TypeSerializerSnapshot<UserState> items = (TypeSerializerSnapshot) new ItemStateSerializer().snapshotConfiguration();
        assertTrue(resolve(new UserStateSerializer(), items).isIncompatible());
    }

    @Test
    void aSerializerOfAnOlderFormatWritesThatFormatSoItsSnapshotNeverLies() throws Exception {
        UserStateSerializer.UserStateSnapshot snapshot = new UserStateSerializer.UserStateSnapshot();
        snapshot.setFormat(1);
        TypeSerializer<UserState> formatOne = snapshot.restoreSerializer();
        assertEquals(1, ((StateSerializer.FormatSnapshot<UserState>) formatOne.snapshotConfiguration()).format());
        UserState user = SequenceUpdater.newUser();
        DataOutputSerializer one = new DataOutputSerializer(64);
        formatOne.serialize(user, one);
        DataOutputSerializer two = new DataOutputSerializer(64);
        new UserStateSerializer().serialize(user, two);
        assertEquals(two.length() - 2 * 4 - 3 * 8, one.length(), "format 1 has no seen, expiry fields");
    }

    private static <T> TypeSerializerSchemaCompatibility<T> resolve(TypeSerializer<T> now, TypeSerializerSnapshot<T> old) {
        return now.snapshotConfiguration().resolveSchemaCompatibility(old);
    }

    private static byte[] releaseSnapshotBytes(Class<?> snapshotClass) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(128);
        out.writeUTF(snapshotClass.getName());
        out.writeInt(3);
        return out.getCopyOfBuffer();
    }

    private static <T> TypeSerializerSnapshot<T> roundTrip(TypeSerializerSnapshot<T> snapshot) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(128);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, snapshot);
        return read(out.getCopyOfBuffer());
    }

    private static <T> TypeSerializerSnapshot<T> read(byte[] bytes) throws IOException {
        return TypeSerializerSnapshot.readVersionedSnapshot(new DataInputDeserializer(bytes),
                StateFormatCompatibilityTest.class.getClassLoader());
    }
}
