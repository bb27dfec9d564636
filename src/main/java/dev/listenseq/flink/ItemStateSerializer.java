package dev.listenseq.flink;

import dev.listenseq.avro.state.ItemState;
import dev.listenseq.codec.StateCodec;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;

/** Serializer of the values of the {@code items} MapState. Its class name is in savepoints: never rename or move it. */
public final class ItemStateSerializer extends StateSerializer<ItemState> {

    @Override
    void write(ItemState record, DataOutputView out) throws IOException {
        StateCodec.writeItem(record, out);
    }

    @Override
    ItemState read(DataInputView in) throws IOException {
        return StateCodec.readItem(in);
    }

    @Override
    public ItemState createInstance() {
        return new ItemState();
    }

    @Override
    public ItemState copy(ItemState from) {
        return ItemState.newBuilder(from).build();
    }

    @Override
    public TypeSerializerSnapshot<ItemState> snapshotConfiguration() {
        return new ItemStateSnapshot();
    }

    /** Its class name is in savepoints: never rename or move it. */
    public static final class ItemStateSnapshot extends Snapshot<ItemState> {
        public ItemStateSnapshot() {
            super(ItemStateSerializer::new);
        }
    }
}
