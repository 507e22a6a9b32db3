package io.runnel.broker.auth;

import static io.runnel.proto.v1.AclOperation.DESCRIBE;
import static io.runnel.proto.v1.AclOperation.IDEMPOTENT_WRITE;
import static io.runnel.proto.v1.AclOperation.READ;
import static io.runnel.proto.v1.AclOperation.WRITE;
import static io.runnel.proto.v1.AclPatternType.LITERAL;
import static io.runnel.proto.v1.AclPermission.ALLOW;
import static io.runnel.proto.v1.AclPermission.DENY;
import static io.runnel.proto.v1.AclResourceType.CLUSTER;
import static io.runnel.proto.v1.AclResourceType.GROUP;
import static io.runnel.proto.v1.AclResourceType.TOPIC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runnel.broker.config.AuthorizerSettings;
import io.runnel.metadata.acl.AclBinding;
import io.runnel.metadata.acl.AclImage;
import io.runnel.proto.v1.ErrorCode;
import io.runnel.security.NodePrincipals;
import io.runnel.security.Principal;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Who bypasses the ACLs, deny by default, refusals that name what was missing, and a cache that follows the image. */
class AuthorizerTest {
    private static final Principal ALICE = Principal.parse("User:CN=alice");
    private static final Principal ADMIN = Principal.parse("User:CN=admin");
    private static final NodePrincipals NODES = new NodePrincipals(NodePrincipals.DEFAULT_TEMPLATE);

    private final AtomicReference<AclImage> image = new AtomicReference<>(AclImage.EMPTY);
    private final Authorizer authorizer = new Authorizer(new AuthorizerSettings(true, Set.of(ADMIN)), NODES, image::get);

    private static AclBinding allow(Principal who, io.runnel.proto.v1.AclOperation op, String topic) {
        return new AclBinding(TOPIC, topic, LITERAL, who, op, ALLOW);
    }

    @Test
    void disabled_allowsEverything() {
        assertTrue(Authorizer.disabled().allows(ALICE, WRITE, TOPIC, "orders"));
        Authorizer off = new Authorizer(AuthorizerSettings.DISABLED, NODES, image::get);
        image.set(AclImage.of(List.of(new AclBinding(TOPIC, "orders", LITERAL, ALICE, WRITE, DENY))));
        assertTrue(off.allows(ALICE, WRITE, TOPIC, "orders"), "ACLs are stored but not enforced while disabled");
        assertTrue(off.allowsIdempotentWrite(ALICE));
    }

    @Test
    void enabled_deniesByDefault_butNotSuperUsersOrClusterNodes() {
        assertFalse(authorizer.allows(ALICE, WRITE, TOPIC, "orders"));
        assertFalse(authorizer.allows(Principal.ANONYMOUS, DESCRIBE, TOPIC, "orders"));
        assertTrue(authorizer.allows(ADMIN, WRITE, TOPIC, "orders"));
        assertTrue(authorizer.allowsOnCluster(ADMIN, IDEMPOTENT_WRITE));
        assertTrue(authorizer.allows(NODES.principal(3), READ, GROUP, "g"));
        assertFalse(authorizer.allows(Principal.parse("User:CN=runnel-node-x"), READ, GROUP, "g"));
        image.set(AclImage.of(List.of(new AclBinding(TOPIC, "*", LITERAL, ADMIN, WRITE, DENY))));
        assertTrue(authorizer.allows(ADMIN, WRITE, TOPIC, "orders"), "a super user is not subject to DENY either (Kafka)");
    }

    @Test
    void refusal_namesPrincipalOperationAndResource_withTheErrorCodeOfTheResourceType() {
        AuthorizationException e = assertThrows(AuthorizationException.class, () -> authorizer.check(ALICE, WRITE, TOPIC, "orders"));
        assertEquals("User:CN=alice is not allowed WRITE on TOPIC orders", e.getMessage());
        assertEquals(ErrorCode.TOPIC_AUTHORIZATION_FAILED, e.code());
        assertEquals(ErrorCode.GROUP_AUTHORIZATION_FAILED, Authorizer.refusal(ALICE, READ, GROUP, "g").code());
        AuthorizationException cluster = Authorizer.refusal(ALICE, IDEMPOTENT_WRITE, CLUSTER, AclBinding.CLUSTER_NAME);
        assertEquals(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, cluster.code());
        assertEquals("User:CN=alice is not allowed IDEMPOTENT_WRITE on CLUSTER", cluster.getMessage());
    }

    @Test
    void cachedDecisions_followTheImagesAcls() {
        assertFalse(authorizer.allows(ALICE, WRITE, TOPIC, "orders"));
        image.set(AclImage.EMPTY.with(allow(ALICE, WRITE, "orders")));
        assertTrue(authorizer.allows(ALICE, WRITE, TOPIC, "orders"), "a new ACL image drops the cached refusal");
        assertTrue(authorizer.allows(ALICE, WRITE, TOPIC, "orders"));
        image.set(image.get().with(new AclBinding(TOPIC, "orders", LITERAL, ALICE, WRITE, DENY)));
        assertFalse(authorizer.allows(ALICE, WRITE, TOPIC, "orders"), "and a cached allow");
    }

    @Test
    void idempotentWrite_fromTheClusterOrWriteOnAnyTopic() {
        assertFalse(authorizer.allowsIdempotentWrite(ALICE));
        image.set(AclImage.EMPTY.with(allow(ALICE, WRITE, "orders")));
        assertTrue(authorizer.allowsIdempotentWrite(ALICE));
        image.set(AclImage.EMPTY.with(new AclBinding(CLUSTER, AclBinding.CLUSTER_NAME, LITERAL, ALICE, IDEMPOTENT_WRITE, ALLOW)));
        assertTrue(authorizer.allowsIdempotentWrite(ALICE));
        assertTrue(authorizer.allowsIdempotentWrite(ADMIN));
    }
}
