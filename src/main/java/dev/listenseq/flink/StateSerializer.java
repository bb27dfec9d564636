package dev.listenseq.flink;

import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.formats.avro.typeutils.AvroSerializerSnapshot;

import java.io.IOException;
import java.util.function.Supplier;

/**
 * A serializer written by hand: for the keyed state, on {@link dev.listenseq.codec.StateCodec} (the
 * bytes of Flink's AvroSerializer, without Avro's generic machinery), and for the keyBy's records.
 * State serializers are named in savepoints (with their {@link Snapshot}): never rename or move them.
 */
abstract class StateSerializer<T> extends TypeSerializerSingleton<T> {

    abstract void write(T record, DataOutputView out) throws IOException;

    abstract T read(DataInputView in) throws IOException;

    /** A deep copy: state objects are changed in place, so a copy must share nothing. */
    @Override
    public abstract T copy(T from);

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public T copy(T from, T reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(T record, DataOutputView target) throws IOException {
        write(record, target);
    }

    @Override
    public T deserialize(DataInputView source) throws IOException {
        return read(source);
    }

    @Override
    public T deserialize(T reuse, DataInputView source) throws IOException {
        return read(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        write(read(source), target);
    }

    /**
     * Compatible as is with itself. State written by Flink's AvroSerializer (savepoints taken before
     * this serializer existed) is migrated on restore: read with the Avro serializer it was written
     * with, written again with this one.
     */
    abstract static class Snapshot<T> extends SimpleTypeSerializerSnapshot<T> {

        Snapshot(Supplier<? extends TypeSerializer<T>> serializer) {
            super(serializer);
        }

        @Override
        public TypeSerializerSchemaCompatibility<T> resolveSchemaCompatibility(TypeSerializerSnapshot<T> old) {
            if (old instanceof AvroSerializerSnapshot) {
                return TypeSerializerSchemaCompatibility.compatibleAfterMigration();
            }
            return super.resolveSchemaCompatibility(old);
        }
    }
}
