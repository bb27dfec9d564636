package dev.listenseq.flink;

import dev.listenseq.avro.state.UserState;
import dev.listenseq.codec.StateCodec;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;

/** Serializer of the {@code user} ValueState. Its class name is in savepoints: never rename or move it. */
public final class UserStateSerializer extends StateSerializer<UserState> {

    @Override
    void write(UserState record, DataOutputView out) throws IOException {
        StateCodec.writeUser(record, out);
    }

    @Override
    UserState read(DataInputView in) throws IOException {
        return StateCodec.readUser(in);
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
    public TypeSerializerSnapshot<UserState> snapshotConfiguration() {
        return new UserStateSnapshot();
    }

    /** Its class name is in savepoints: never rename or move it. */
    public static final class UserStateSnapshot extends Snapshot<UserState> {
        public UserStateSnapshot() {
            super(UserStateSerializer::new);
        }
    }
}
