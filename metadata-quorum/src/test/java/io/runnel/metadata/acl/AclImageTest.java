package io.runnel.metadata.acl;

import static io.runnel.proto.v1.AclOperation.ALL;
import static io.runnel.proto.v1.AclOperation.ALTER_CONFIGS;
import static io.runnel.proto.v1.AclOperation.DESCRIBE;
import static io.runnel.proto.v1.AclOperation.DESCRIBE_CONFIGS;
import static io.runnel.proto.v1.AclOperation.READ;
import static io.runnel.proto.v1.AclOperation.WRITE;
import static io.runnel.proto.v1.AclPatternType.LITERAL;
import static io.runnel.proto.v1.AclPatternType.PREFIXED;
import static io.runnel.proto.v1.AclPermission.ALLOW;
import static io.runnel.proto.v1.AclPermission.DENY;
import static io.runnel.proto.v1.AclResourceType.CLUSTER;
import static io.runnel.proto.v1.AclResourceType.GROUP;
import static io.runnel.proto.v1.AclResourceType.TOPIC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.metadata.image.MetadataImage;
import io.runnel.proto.v1.AclEntry;
import io.runnel.proto.v1.AclOperation;
import io.runnel.proto.v1.AclPatternType;
import io.runnel.proto.v1.AclPermission;
import io.runnel.proto.v1.AclRecord;
import io.runnel.proto.v1.AclResourceType;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.proto.v1.MetadataBatch;
import io.runnel.proto.v1.MetadataRecord;
import io.runnel.proto.v1.RemoveAclRecord;
import io.runnel.security.Principal;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Kafka's rules for deciding a call against ACL bindings, and how bindings live in the metadata image. */
class AclImageTest {
    private static final Principal ALICE = Principal.parse("User:CN=alice");
    private static final Principal BOB = Principal.parse("User:CN=bob");

    private static AclBinding acl(AclPermission permission, String principal, AclOperation op, AclResourceType type,
                                  String name, AclPatternType pattern) {
        return new AclBinding(type, name, pattern, Principal.parse(principal), op, permission);
    }

    // ---------------------------------------------------------------- deciding

    @Test
    void noBinding_deniesEverything() {
        assertFalse(AclImage.EMPTY.allows(ALICE, READ, TOPIC, "orders"));
        assertFalse(AclImage.EMPTY.allows(ALICE, DESCRIBE, CLUSTER, AclBinding.CLUSTER_NAME));
    }

    @Test
    void literalAllow_coversThatNameOnly_andThatPrincipalOnly() {
        AclImage acls = AclImage.of(List.of(acl(ALLOW, "User:CN=alice", WRITE, TOPIC, "orders", LITERAL)));
        assertTrue(acls.allows(ALICE, WRITE, TOPIC, "orders"));
        assertFalse(acls.allows(ALICE, WRITE, TOPIC, "orders2"));
        assertFalse(acls.allows(ALICE, READ, TOPIC, "orders"));
        assertFalse(acls.allows(BOB, WRITE, TOPIC, "orders"));
        assertFalse(acls.allows(ALICE, WRITE, GROUP, "orders"), "a topic binding says nothing of a group of the same name");
    }

    @Test
    void wildcardName_andWildcardPrincipal_coverAll() {
        AclImage acls = AclImage.of(List.of(acl(ALLOW, "User:CN=alice", READ, TOPIC, "*", LITERAL),
            acl(ALLOW, "User:*", READ, GROUP, "g", LITERAL)));
        assertTrue(acls.allows(ALICE, READ, TOPIC, "anything"));
        assertFalse(acls.allows(BOB, READ, TOPIC, "anything"));
        assertTrue(acls.allows(BOB, READ, GROUP, "g"));
        assertFalse(acls.allows(new Principal("Service", "x"), READ, GROUP, "g"), "User:* is every User, not every type");
    }

    @Test
    void prefixed_coversNamesStartingWithIt() {
        AclImage acls = AclImage.of(List.of(acl(ALLOW, "User:CN=alice", WRITE, TOPIC, "sales.", PREFIXED)));
        assertTrue(acls.allows(ALICE, WRITE, TOPIC, "sales.eu"));
        assertTrue(acls.allows(ALICE, WRITE, TOPIC, "sales."));
        assertFalse(acls.allows(ALICE, WRITE, TOPIC, "sales"));
        assertFalse(acls.allows(ALICE, WRITE, TOPIC, "other.sales.eu"));
    }

    @Test
    void denyWinsOverAllow_whateverTheOrderAndPattern() {
        AclImage acls = AclImage.of(List.of(acl(ALLOW, "User:CN=alice", WRITE, TOPIC, "*", LITERAL),
            acl(DENY, "User:CN=alice", WRITE, TOPIC, "secret.", PREFIXED),
            acl(DENY, "User:*", ALL, TOPIC, "audit", LITERAL)));
        assertTrue(acls.allows(ALICE, WRITE, TOPIC, "orders"));
        assertFalse(acls.allows(ALICE, WRITE, TOPIC, "secret.keys"));
        assertFalse(acls.allows(ALICE, WRITE, TOPIC, "audit"), "DENY ALL to User:* denies alice's WRITE");
    }

    @Test
    void impliedDescribes_comeFromAllowsOnly() {
        AclImage acls = AclImage.of(List.of(acl(ALLOW, "User:CN=alice", READ, TOPIC, "t", LITERAL),
            acl(ALLOW, "User:CN=alice", ALTER_CONFIGS, TOPIC, "t", LITERAL),
            acl(ALLOW, "User:CN=bob", DESCRIBE, TOPIC, "t", LITERAL),
            acl(DENY, "User:CN=bob", READ, TOPIC, "t", LITERAL)));
        assertTrue(acls.allows(ALICE, DESCRIBE, TOPIC, "t"), "READ implies DESCRIBE");
        assertTrue(acls.allows(ALICE, DESCRIBE_CONFIGS, TOPIC, "t"), "ALTER_CONFIGS implies DESCRIBE_CONFIGS");
        assertFalse(acls.allows(ALICE, WRITE, TOPIC, "t"), "nothing implies WRITE but WRITE and ALL");
        assertTrue(acls.allows(BOB, DESCRIBE, TOPIC, "t"), "a DENY of READ does not deny DESCRIBE");
        for (AclOperation implying : List.of(READ, WRITE, AclOperation.DELETE, AclOperation.ALTER, ALL)) {
            assertTrue(AclImage.implies(implying, DESCRIBE), implying + " implies DESCRIBE");
        }
        assertFalse(AclImage.implies(AclOperation.CREATE, DESCRIBE));
        assertFalse(AclImage.implies(DESCRIBE, READ));
    }

    @Test
    void allOperation_coversEveryOperation() {
        AclImage acls = AclImage.of(List.of(acl(ALLOW, "User:CN=alice", ALL, CLUSTER, AclBinding.CLUSTER_NAME, LITERAL)));
        for (AclOperation op : List.of(READ, WRITE, AclOperation.CREATE, AclOperation.ALTER, DESCRIBE,
                AclOperation.IDEMPOTENT_WRITE, AclOperation.CLUSTER_ACTION)) {
            assertTrue(acls.allows(ALICE, op, CLUSTER, AclBinding.CLUSTER_NAME), op.name());
        }
    }

    @Test
    void writeOnAnyTopic_unlessEveryAllowIsDeniedWhole() {
        AclImage literal = AclImage.of(List.of(acl(ALLOW, "User:CN=alice", WRITE, TOPIC, "orders", LITERAL)));
        assertTrue(literal.allowsAny(ALICE, WRITE, TOPIC));
        assertFalse(literal.allowsAny(BOB, WRITE, TOPIC));
        assertFalse(literal.with(acl(DENY, "User:CN=alice", WRITE, TOPIC, "ord", PREFIXED)).allowsAny(ALICE, WRITE, TOPIC));
        assertFalse(literal.with(acl(DENY, "User:*", ALL, TOPIC, "*", LITERAL)).allowsAny(ALICE, WRITE, TOPIC));
        assertTrue(literal.with(acl(DENY, "User:CN=alice", WRITE, TOPIC, "other", LITERAL)).allowsAny(ALICE, WRITE, TOPIC));
        assertFalse(AclImage.of(List.of(acl(ALLOW, "User:CN=alice", READ, TOPIC, "*", LITERAL))).allowsAny(ALICE, WRITE, TOPIC));
    }

    // ---------------------------------------------------------------- bindings and filters

    @Test
    void malformedBindings_areRefusedNamingTheField() {
        AclEntry good = acl(ALLOW, "User:CN=alice", WRITE, TOPIC, "orders", LITERAL).toProto();
        assertEquals(good, AclBinding.fromProto(good).toProto());
        assertMessage("operation", good.toBuilder().clearOperation().build());
        assertMessage("principal", good.toBuilder().setPrincipal("").build());
        assertMessage("principal 'alice' is not <type>:<name>", good.toBuilder().setPrincipal("alice").build());
        assertMessage("resource_type", good.toBuilder().clearResourceType().build());
        assertMessage("resource_name", good.toBuilder().setResourceName("").build());
        assertMessage("pattern_type", good.toBuilder().clearPatternType().build());
        assertMessage("permission", good.toBuilder().clearPermission().build());
        assertMessage("CLUSTER binding must be LITERAL kafka-cluster", good.toBuilder().setResourceType(CLUSTER).build());
    }

    private static void assertMessage(String expected, AclEntry entry) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AclBinding.fromProto(entry));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void filters_matchSetFieldsExactly_unsetFieldsAnything() {
        AclBinding a = acl(ALLOW, "User:CN=alice", WRITE, TOPIC, "orders", LITERAL);
        AclBinding b = acl(DENY, "User:CN=bob", READ, TOPIC, "orders", PREFIXED);
        AclImage acls = AclImage.of(List.of(a, b));
        assertEquals(List.of(a, b), acls.matching(AclFilter.ANY));
        assertEquals(List.of(b), acls.matching(new AclFilter(AclEntry.newBuilder().setPrincipal("User:CN=bob").build())));
        assertEquals(List.of(a), acls.matching(new AclFilter(AclEntry.newBuilder().setPatternType(LITERAL).build())));
        assertEquals(List.of(), acls.matching(new AclFilter(AclEntry.newBuilder().setResourceName("order").build())),
            "a filter names bindings as written, not the resources they cover");
    }

    // ---------------------------------------------------------------- in the metadata image

    @Test
    void metadataImage_foldsAclRecords_keepsTheAclImageWhenUnchanged_andSerializesThem() {
        AclBinding a = acl(ALLOW, "User:CN=alice", WRITE, TOPIC, "orders", LITERAL);
        AclBinding b = acl(DENY, "User:*", ALL, GROUP, "g.", PREFIXED);
        MetadataImage image = MetadataImage.EMPTY.apply(MetadataBatch.newBuilder()
            .addRecords(MetadataRecord.newBuilder().setAcl(AclRecord.newBuilder().setAcl(a.toProto())))
            .addRecords(MetadataRecord.newBuilder().setAcl(AclRecord.newBuilder().setAcl(b.toProto())))
            .addRecords(MetadataRecord.newBuilder().setAcl(AclRecord.newBuilder().setAcl(a.toProto()))).build(), 1, 5).image();
        assertEquals(List.of(a, b), List.copyOf(image.acls().bindings()));
        assertSame(image.acls(), image.at(1, 6).acls(), "no ACL record: the same instance, so caches stay valid");
        assertEquals(image, MetadataImage.fromProto(image.toProto()));

        MetadataImage removed = image.apply(MetadataBatch.newBuilder()
            .addRecords(MetadataRecord.newBuilder().setRemoveAcl(RemoveAclRecord.newBuilder().setAcl(a.toProto())))
            .addRecords(MetadataRecord.newBuilder().setRemoveAcl(RemoveAclRecord.newBuilder().setAcl(a.toProto()))).build(), 1, 7)
            .image();
        assertEquals(List.of(b), List.copyOf(removed.acls().bindings()), "removing an absent binding is a no-op");

        MetadataImage.Applied bad = image.apply(MetadataBatch.newBuilder().addRecords(MetadataRecord.newBuilder()
            .setAcl(AclRecord.newBuilder().setAcl(a.toProto().toBuilder().clearOperation()))).build(), 1, 8);
        assertEquals(ErrorCode.INVALID_REQUEST, bad.error());
        assertTrue(bad.message().contains("operation"), bad.message());
        assertEquals(image.acls(), bad.image().acls());
    }
}
