package dev.lockstep.core.sync;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks, for the drop-in contract tests, that a Lockstep class offers its JDK peer's whole public and
 * protected API with the same signatures: what a JSR-166 TCK file needs to compile with only the class
 * renamed. Also a serialization round trip.
 */
final class JdkApi {
    private JdkApi() {
    }

    /**
     * Every public or protected constructor and instance method of {@code jdk} exists in {@code ours}
     * (declared or inherited, below Object) with the same parameter types and return type, at least as
     * accessible, not throwing checked exceptions the JDK method does not; {@code ours} is not final
     * where {@code jdk} is not, and implements every interface {@code jdk} implements.
     */
    static void assertHasApiOf(Class<?> jdk, Class<?> ours) {
        List<String> problems = new ArrayList<>();
        if (!Modifier.isFinal(jdk.getModifiers()) && Modifier.isFinal(ours.getModifiers())) {
            problems.add(ours.getSimpleName() + " is final, " + jdk.getSimpleName() + " is not (no subclass could reach protected methods)");
        }
        for (Class<?> i : jdk.getInterfaces()) {
            if (!i.isAssignableFrom(ours)) {
                problems.add("does not implement " + i.getName());
            }
        }
        for (Constructor<?> c : jdk.getDeclaredConstructors()) {
            if (!isVisible(c.getModifiers())) {
                continue;
            }
            try {
                Constructor<?> mine = ours.getDeclaredConstructor(c.getParameterTypes());
                if (!atLeastAsVisible(mine.getModifiers(), c.getModifiers())) {
                    problems.add("constructor less visible: " + mine);
                }
            } catch (NoSuchMethodException e) {
                problems.add("missing constructor " + Arrays.toString(c.getParameterTypes()));
            }
        }
        for (Method m : jdk.getDeclaredMethods()) {
            if (!isVisible(m.getModifiers()) || m.isSynthetic() || Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            Method mine = find(ours, m.getName(), m.getParameterTypes());
            if (mine == null) {
                problems.add("missing " + signature(m));
                continue;
            }
            if (!mine.getReturnType().equals(m.getReturnType())) {
                problems.add("return type of " + signature(m) + ": " + mine.getReturnType().getName());
            }
            if (!atLeastAsVisible(mine.getModifiers(), m.getModifiers())) {
                problems.add("less visible: " + mine);
            }
            if (Modifier.isStatic(mine.getModifiers())) {
                problems.add("static: " + mine);
            }
            for (Class<?> x : mine.getExceptionTypes()) {
                boolean checked = !RuntimeException.class.isAssignableFrom(x) && !Error.class.isAssignableFrom(x);
                if (checked && Arrays.stream(m.getExceptionTypes()).noneMatch(j -> j.isAssignableFrom(x))) {
                    problems.add(signature(m) + " throws checked " + x.getName() + " which the JDK's does not");
                }
            }
        }
        assertTrue(problems.isEmpty(), ours.getSimpleName() + " vs " + jdk.getName() + ": " + problems);
    }

    private static boolean isVisible(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    private static boolean atLeastAsVisible(int mine, int theirs) {
        return Modifier.isPublic(mine) || (Modifier.isProtected(mine) && Modifier.isProtected(theirs));
    }

    private static Method find(Class<?> c, String name, Class<?>[] params) {
        for (Class<?> k = c; k != null && k != Object.class; k = k.getSuperclass()) {
            try {
                return k.getDeclaredMethod(name, params);
            } catch (NoSuchMethodException e) {
                // look further up
            }
        }
        return null;
    }

    private static String signature(Method m) {
        return m.getName() + Arrays.toString(m.getParameterTypes());
    }

    /** Writes and reads back {@code o}; the copy must be of the same class (as the TCK's serialClone checks). */
    @SuppressWarnings("unchecked")
    static <T> T serialClone(T o) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        T copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (T) in.readObject();
        }
        assertEquals(o.getClass(), copy.getClass(), "a serialized copy has the class of the original");
        return copy;
    }
}
