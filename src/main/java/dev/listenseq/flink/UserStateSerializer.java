package dev.listenseq.flink;

import dev.listenseq.avro.state.UserState;
import dev.listenseq.codec.StateCodec;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;

/**
 * Serializer of the {@code user} ValueState. It reads and writes one state format: the current one,
 * or an older one while a restore migrates it (its snapshot names that format). Its class name is in savepoints:
 * never rename or move it.
 */
public final class UserStateSerializer extends StateSerializer<UserState> {

    private final int format;

    public UserStateSerializer() {
        this(StateCodec.FORMAT_VERSION);
    }

    UserStateSerializer(int format) {
        this.format = format;
    }

    @Override
    void write(UserState record, DataOutputView out) throws IOException {
        StateCodec.writeUser(record, out, format);
    }

    @Override
    UserState read(DataInputView in) throws IOException {
        return StateCodec.readUser(in, format);
    }

    @Override
    public UserState createInstance() {
        return new UserState();
    }

    @Override
    public UserState copy(UserState from) {
        return UserState.newBuilder(from).build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UserStateSerializer && ((UserStateSerializer) o).format == format;
    }

    @Override
    public int hashCode() {
        return 31 * UserStateSerializer.class.hashCode() + format;
    }

    @Override
    public TypeSerializerSnapshot<UserState> snapshotConfiguration() {
        UserStateSnapshot snapshot = new UserStateSnapshot();
        snapshot.setFormat(format);
        return snapshot;
    }

    /** Its class name is in savepoints: never rename or move it. */
    public static final class UserStateSnapshot extends FormatSnapshot<UserState> {
        public UserStateSnapshot() {
            super(StateCodec.FORMAT_VERSION, UserStateSerializer::new);
        }
    }
}
