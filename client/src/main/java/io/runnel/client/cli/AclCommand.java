package io.runnel.client.cli;

import io.runnel.client.admin.RunnelAdmin;
import io.runnel.proto.v1.AclEntry;
import io.runnel.proto.v1.AclOperation;
import io.runnel.proto.v1.AclPatternType;
import io.runnel.proto.v1.AclPermission;
import io.runnel.proto.v1.AclResourceType;
import io.runnel.security.Principal;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code runnel acl add|remove|list}: ACL bindings (acl.proto), as kafka-acls manages them.
 * {@code add} needs --allow or --deny, at least one --principal and --operation, and one resource;
 * {@code remove} and {@code list} take the same options as filters (an option left out matches
 * anything), {@code remove} at least a resource. Bad input is exit code 2 with the problem named.
 */
@Command(name = "acl", description = "ACL bindings: who may do what to which topic, group or the cluster.",
    subcommands = {AclCommand.Add.class, AclCommand.Remove.class, AclCommand.ListAcls.class})
final class AclCommand {
    /** The cluster's resource name in bindings (Kafka's). */
    static final String CLUSTER_NAME = "kafka-cluster";

    @ParentCommand
    RunnelCli root;

    /** One of --topic, --group, --cluster. */
    static final class Resource {
        @Option(names = "--topic", description = "a topic name, a prefix with --prefixed, or * for every topic")
        String topic;
        @Option(names = "--group", description = "a consumer group id, a prefix with --prefixed, or * for every group")
        String group;
        @Option(names = "--cluster", description = "the cluster itself (CREATE topics, ALTER/DESCRIBE ACLs, IDEMPOTENT_WRITE)")
        boolean cluster;
    }

    /** ALLOW or DENY. */
    static final class Permission {
        @Option(names = "--allow", description = "grant the operations")
        boolean allow;
        @Option(names = "--deny", description = "forbid the operations (a DENY wins over any ALLOW)")
        boolean deny;
    }

    /** The options every subcommand shares. */
    static final class Binding {
        @Option(names = "--principal", description = "<type>:<name>, e.g. User:CN=alice (a client certificate's subject), "
            + "or User:* for everyone; repeatable")
        List<String> principals = new ArrayList<>();
        @Option(names = "--operation", description = "ALL, READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, "
            + "ALTER_CONFIGS, CLUSTER_ACTION or IDEMPOTENT_WRITE; repeatable")
        List<String> operations = new ArrayList<>();
        @Option(names = "--prefixed", description = "the name is a prefix: every resource whose name starts with it")
        boolean prefixed;
    }

    static AclOperation operation(CommandLine cli, String text) {
        String name = text.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (AclOperation op : AclOperation.values()) {
            if (op != AclOperation.ANY_OPERATION && op != AclOperation.UNRECOGNIZED && op.name().equals(name)) {
                return op;
            }
        }
        throw new CommandLine.ParameterException(cli, "unknown operation '" + text + "' (one of " + Arrays.stream(AclOperation.values())
            .filter(op -> op != AclOperation.ANY_OPERATION && op != AclOperation.UNRECOGNIZED).map(Enum::name)
            .collect(Collectors.joining(", ")) + ")");
    }

    static String principal(CommandLine cli, String text) {
        try {
            return Principal.parse(text.trim()).toString();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cli, "--principal: " + (text.isBlank() ? "is empty; give <type>:<name>, "
                + "e.g. User:CN=alice" : e.getMessage()));
        }
    }

    /** The resource part of a binding or filter; with {@code required}, one resource must be named. */
    static AclEntry.Builder resource(CommandLine cli, Resource r, boolean prefixed, boolean required) {
        AclEntry.Builder b = AclEntry.newBuilder();
        if (r == null) {
            if (required) {
                throw new CommandLine.ParameterException(cli, "no resource: give --topic <name>, --group <id> or --cluster");
            }
            return prefixed ? b.setPatternType(AclPatternType.PREFIXED) : b;
        }
        if (r.cluster) {
            if (prefixed) {
                throw new CommandLine.ParameterException(cli, "--prefixed does not go with --cluster");
            }
            return b.setResourceType(AclResourceType.CLUSTER).setResourceName(CLUSTER_NAME).setPatternType(AclPatternType.LITERAL);
        }
        boolean topic = r.topic != null;
        String name = topic ? r.topic : r.group;
        if (name.isEmpty()) {
            throw new CommandLine.ParameterException(cli, (topic ? "--topic" : "--group") + " needs a name");
        }
        return b.setResourceType(topic ? AclResourceType.TOPIC : AclResourceType.GROUP).setResourceName(name)
            .setPatternType(prefixed ? AclPatternType.PREFIXED : AclPatternType.LITERAL);
    }

    /** Every principal × operation of {@code binding} over {@code base}; unset lists leave the field unset. */
    static List<AclEntry> expand(CommandLine cli, AclEntry base, Binding binding) {
        List<String> principals = binding.principals.isEmpty() ? List.of("") : binding.principals;
        List<AclOperation> operations = binding.operations.isEmpty() ? List.of(AclOperation.ANY_OPERATION)
            : binding.operations.stream().map(o -> operation(cli, o)).toList();
        List<AclEntry> out = new ArrayList<>();
        for (String p : principals) {
            String principal = binding.principals.isEmpty() ? "" : principal(cli, p);
            for (AclOperation op : operations) {
                out.add(base.toBuilder().setPrincipal(principal).setOperation(op).build());
            }
        }
        return out;
    }

    static AclPermission permission(Permission p) {
        return p == null ? AclPermission.ANY_PERMISSION : p.allow ? AclPermission.ALLOW : AclPermission.DENY;
    }

    /** One line per binding: permission, principal, operation, resource type, name, pattern. */
    static void print(PrintWriter out, List<AclEntry> acls) {
        for (AclEntry a : acls) {
            out.println(a.getPermission() + " " + a.getPrincipal() + " " + a.getOperation() + " on " + a.getResourceType() + " "
                + a.getResourceName() + " (" + a.getPatternType() + ")");
        }
        out.flush();
    }

    /** What the subcommands share: the options, and the binding or filter they make of them. */
    abstract static class Subcommand implements Callable<Integer> {
        @ParentCommand
        AclCommand parent;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @ArgGroup(exclusive = true, multiplicity = "0..1")
        Permission permission;
        @ArgGroup(exclusive = true, multiplicity = "0..1")
        Resource resource;
        @Mixin
        Binding binding;

        /** Every principal × operation over the resource and permission given. */
        List<AclEntry> entries(boolean resourceRequired) {
            CommandLine cli = spec.commandLine();
            AclEntry base = resource(cli, resource, binding.prefixed, resourceRequired).setPermission(permission(permission)).build();
            return expand(cli, base, binding);
        }

        RunnelAdmin admin() {
            return parent.root.admin();
        }
    }

    @Command(name = "add", description = "Add bindings: each --principal gets each --operation on the resource.")
    static final class Add extends Subcommand {
        @Override
        public Integer call() {
            CommandLine cli = spec.commandLine();
            if (permission == null) {
                throw new CommandLine.ParameterException(cli, "give --allow or --deny");
            }
            if (binding.principals.isEmpty()) {
                throw new CommandLine.ParameterException(cli, "no principal: give --principal <type>:<name>, e.g. User:CN=alice");
            }
            if (binding.operations.isEmpty()) {
                throw new CommandLine.ParameterException(cli, "no operation: give --operation, e.g. --operation WRITE");
            }
            List<AclEntry> acls = entries(true);
            try (RunnelAdmin admin = admin()) {
                admin.createAcls(acls);
            }
            PrintWriter out = cli.getOut();
            out.println("Added " + acls.size() + (acls.size() == 1 ? " binding:" : " bindings:"));
            print(out, acls);
            return 0;
        }
    }

    @Command(name = "remove", description = "Remove the bindings of a resource that match the other options (left out: any).")
    static final class Remove extends Subcommand {
        @Override
        public Integer call() {
            List<AclEntry> filters = entries(true);
            List<AclEntry> removed;
            try (RunnelAdmin admin = admin()) {
                removed = admin.deleteAcls(filters);
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println("Removed " + removed.size() + (removed.size() == 1 ? " binding" : " bindings") + (removed.isEmpty() ? "" : ":"));
            print(out, removed);
            return 0;
        }
    }

    @Command(name = "list", description = "The bindings matching the options (none given: every binding).")
    static final class ListAcls extends Subcommand {
        @Override
        public Integer call() {
            List<AclEntry> filters = entries(false);
            List<AclEntry> found = new ArrayList<>();
            try (RunnelAdmin admin = admin()) {
                for (AclEntry filter : filters) {
                    admin.describeAcls(filter).stream().filter(a -> !found.contains(a)).forEach(found::add);
                }
            }
            print(spec.commandLine().getOut(), found);
            return 0;
        }
    }
}
