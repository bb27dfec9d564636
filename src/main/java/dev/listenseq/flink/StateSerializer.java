package dev.listenseq.flink;

import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.formats.avro.typeutils.AvroSerializerSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.function.IntFunction;
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

    /**
     * The snapshot of a keyed-state serializer: it records the state format version
     * ({@link dev.listenseq.codec.StateCodec#FORMAT_VERSION}) the state was written in, and resolves
     * a restore for real: the same format is compatible as is; an older format is compatible after
     * migration (read with a serializer of that format, written again in the current one); a newer
     * format, written by a later build, is incompatible, and reading it fails with a message saying so.
     * State written by Flink's AvroSerializer (before the hand-written serializers) is migrated too.
     */
    abstract static class FormatSnapshot<T> implements TypeSerializerSnapshot<T> {

        private static final Logger LOG = LoggerFactory.getLogger(FormatSnapshot.class);
        /** Snapshot layouts 1 to 3 were SimpleTypeSerializerSnapshot's, which wrote nothing: state format 1. */
        private static final int WRITES_FORMAT = 4;

        private final int currentFormat;
        private final IntFunction<TypeSerializer<T>> serializerOfFormat;
        private int format;

        /**
         * @param currentFormat      the format this build writes
         * @param serializerOfFormat a serializer that reads the given format (and writes the current one)
         */
        FormatSnapshot(int currentFormat, IntFunction<TypeSerializer<T>> serializerOfFormat) {
            this.currentFormat = currentFormat;
            this.serializerOfFormat = serializerOfFormat;
            this.format = currentFormat;
        }

        int format() {
            return format;
        }

        void setFormat(int format) {
            this.format = format;
        }

        @Override
        public int getCurrentVersion() {
            return WRITES_FORMAT;
        }

        @Override
        public void writeSnapshot(DataOutputView out) throws IOException {
            out.writeInt(format);
        }

        @Override
        public void readSnapshot(int readVersion, DataInputView in, ClassLoader userCodeClassLoader) throws IOException {
            format = readVersion < WRITES_FORMAT ? 1 : in.readInt();
        }

        @Override
        public TypeSerializer<T> restoreSerializer() {
            if (format < 1 || format > currentFormat) {
                throw new IllegalStateException(incompatibility());
            }
            return serializerOfFormat.apply(format);
        }

        @Override
        public TypeSerializerSchemaCompatibility<T> resolveSchemaCompatibility(TypeSerializerSnapshot<T> old) {
            if (old instanceof AvroSerializerSnapshot) {
                return TypeSerializerSchemaCompatibility.compatibleAfterMigration();
            }
            if (!(old instanceof FormatSnapshot) || old.getClass() != getClass()) {
                return TypeSerializerSchemaCompatibility.incompatible();
            }
            int oldFormat = ((FormatSnapshot<T>) old).format;
            if (oldFormat == currentFormat) {
                return TypeSerializerSchemaCompatibility.compatibleAsIs();
            }
            if (oldFormat >= 1 && oldFormat < currentFormat) {
                LOG.info("{}: state format {} is migrated to format {} on restore", getClass().getSimpleName(),
                        oldFormat, currentFormat);
                return TypeSerializerSchemaCompatibility.compatibleAfterMigration();
            }
            LOG.error(((FormatSnapshot<T>) old).incompatibility());
            return TypeSerializerSchemaCompatibility.incompatible();
        }

        String incompatibility() {
            return getClass().getSimpleName() + ": the savepoint's keyed state is in state format " + format
                    + ", written by a newer build; this build reads formats 1 to " + currentFormat
                    + ". Restore it with the build that wrote it (or a newer one), or start without state"
                    + " (see docs/state.md, 'Format versions').";
        }
    }
}
