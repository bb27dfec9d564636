package dev.listenseq.flink;

import dev.listenseq.avro.state.ItemState;
import dev.listenseq.codec.StateCodec;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;

/**
 * Serializer of the values of the {@code items} MapState. It reads and writes one state format: the current one,
 * or an older one while a restore migrates it (its snapshot names that format). Its class name is in savepoints:
 * never rename or move it.
 */
public final class ItemStateSerializer extends StateSerializer<ItemState> {

    private final int format;

    public ItemStateSerializer() {
        this(StateCodec.FORMAT_VERSION);
    }

    ItemStateSerializer(int format) {
        this.format = format;
    }

    @Override
    void write(ItemState record, DataOutputView out) throws IOException {
        StateCodec.writeItem(record, out, format);
    }

    @Override
    ItemState read(DataInputView in) throws IOException {
        return StateCodec.readItem(in, format);
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
    public boolean equals(Object o) {
        return o instanceof ItemStateSerializer && ((ItemStateSerializer) o).format == format;
    }

    @Override
    public int hashCode() {
        return 31 * ItemStateSerializer.class.hashCode() + format;
    }

    @Override
    public TypeSerializerSnapshot<ItemState> snapshotConfiguration() {
        ItemStateSnapshot snapshot = new ItemStateSnapshot();
        snapshot.setFormat(format);
        return snapshot;
    }

    /** Its class name is in savepoints: never rename or move it. */
    public static final class ItemStateSnapshot extends FormatSnapshot<ItemState> {
        public ItemStateSnapshot() {
            super(StateCodec.FORMAT_VERSION, ItemStateSerializer::new);
        }
    }
}
