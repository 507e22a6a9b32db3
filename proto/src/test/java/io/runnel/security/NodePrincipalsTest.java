package io.runnel.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class NodePrincipalsTest {
    @Test
    void defaultTemplate_mapsNodePrincipalsToTheirIds_andNothingElse() {
        NodePrincipals nodes = new NodePrincipals(NodePrincipals.DEFAULT_TEMPLATE);
        assertEquals(OptionalInt.of(3), nodes.nodeId(Principal.parse("User:CN=runnel-node-3")));
        assertEquals(OptionalInt.of(0), nodes.nodeId(Principal.parse("User:CN=runnel-node-0")));
        assertEquals(Principal.parse("User:CN=runnel-node-12"), nodes.principal(12));
        for (String other : new String[] {"User:CN=runnel-node-", "User:CN=runnel-node-03", "User:CN=runnel-node-3,O=x",
            "User:CN=alice", "User:ANONYMOUS", "User:CN=runnel-node-1x", "Group:CN=runnel-node-3"}) {
            assertTrue(nodes.nodeId(Principal.parse(other)).isEmpty(), other);
        }
    }

    @Test
    void templateWithDistinguishedNameAroundTheId_isQuotedNotARegex() {
        NodePrincipals nodes = new NodePrincipals("User:CN=broker-{id}.kafka.svc,O=Acme (prod)");
        assertEquals(OptionalInt.of(7), nodes.nodeId(Principal.parse("User:CN=broker-7.kafka.svc,O=Acme (prod)")));
        assertTrue(nodes.nodeId(Principal.parse("User:CN=broker-7xkafka.svc,O=Acme (prod)")).isEmpty());
    }

    @Test
    void badTemplates_areRefusedNamingTheTemplate() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new NodePrincipals("User:CN=node"))
            .getMessage().contains("must hold {id} exactly once"));
        assertThrows(IllegalArgumentException.class, () -> new NodePrincipals("User:CN={id}-{id}"));
        assertThrows(IllegalArgumentException.class, () -> new NodePrincipals("CN=runnel-node-{id}"));
    }

    @Test
    void principal_parsesAndPrintsKafkaStyle() {
        Principal p = Principal.parse("User:CN=alice,O=acme");
        assertEquals("User", p.type());
        assertEquals("CN=alice,O=acme", p.name());
        assertEquals("User:CN=alice,O=acme", p.toString());
        assertThrows(IllegalArgumentException.class, () -> Principal.parse("alice"));
        assertThrows(IllegalArgumentException.class, () -> Principal.parse("User:"));
    }
}
